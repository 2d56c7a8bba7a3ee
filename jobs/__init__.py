"""Job specs, engines and the disclosure gate (a library; never imports lab)."""
