"""gridpay: pay-per-inference integration suite."""

from pathlib import Path

#: Repository root: where programs/, contracts/ and target/ live.
ROOT = Path(__file__).resolve().parent.parent
