"""``python -m mock_instance``: the same as ``snjwt-mock``."""

from .cli import main

raise SystemExit(main())
