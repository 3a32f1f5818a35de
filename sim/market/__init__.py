"""The market, one sub-model a module: the order book (``orders``), broadcasts and
listings (``broadcasts``), traffic allocation (``traffic``), viewing (``viewing``),
purchase (``purchase``), returns and logistics (``returns``), production
(``production``), memories and adaptation (``adaptation``) and the category
terms (``categories``). See docs/architecture.md."""
