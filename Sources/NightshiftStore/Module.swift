// NightshiftStore
