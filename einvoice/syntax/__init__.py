"""Syntaxes: UBL 2.1, UN/CEFACT CII D16B, ZUGFeRD 1.0 and hybrid PDFs <-> the EN 16931 model."""
