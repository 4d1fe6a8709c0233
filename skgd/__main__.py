import os
import sys

from skgd._demo import main

if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:  # python -m skgd | head: the reader has had enough
        # Python would report the pipe again when flushing stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
