"""python -m duet.model.training {corpus,plot,train,eval,...}"""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
