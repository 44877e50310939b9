// NightshiftServer: the chat endpoint (Hummingbird).
