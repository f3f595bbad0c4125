"""`python -m workers [queue ...]`: a worker on every queue, or on the named ones."""

from __future__ import annotations

import logging
import sys

from workers.worker import start

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    start(sys.argv[1:])
