// NightshiftAI
