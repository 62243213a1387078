"""An ocrmypdf "plugin" that kills the OCR child outright (used to test crash handling)."""

import os

os._exit(3)
