from upgradelint.frontends.cli import main

raise SystemExit(main())
