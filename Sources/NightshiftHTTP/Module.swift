// NightshiftHTTP
