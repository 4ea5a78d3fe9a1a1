from symkl.cli import main

raise SystemExit(main())
