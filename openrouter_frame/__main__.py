from openrouter_frame.cli import main

raise SystemExit(main())
