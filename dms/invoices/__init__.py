"""Incoming-invoice workflow: intake, routing, approval with separation of duties, payment, archive.

Composes the pure ``einvoice`` core (validation, terms, approval policy, SEPA files) with the dms
shell (database, audit, documents). Services take a session and a principal and never commit.
"""
