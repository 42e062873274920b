"""Long work run in the background with progress: ingest, bulk assessment, training, backtest."""
