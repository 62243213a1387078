"""dms package."""
