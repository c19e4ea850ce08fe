#!/usr/bin/python3
"""The stand-in's command line at its old path: the same as
`python3 -m standin` run from t/ (the stand-in is the package t/standin/).
"""

import sys

from standin.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
