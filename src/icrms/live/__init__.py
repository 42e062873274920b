"""Live selectivity as a service: the compiled snapshot kept warm, submissions, worklists."""
