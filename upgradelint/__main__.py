from upgradelint.cli import main

raise SystemExit(main())
