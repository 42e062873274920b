"""Users, browser sessions and API tokens; roles and who may do what."""
