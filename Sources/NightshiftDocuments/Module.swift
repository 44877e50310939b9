// NightshiftDocuments
