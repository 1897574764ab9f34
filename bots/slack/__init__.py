"""The Slack adapter: slack-bolt listeners in, the engine's ``Platform`` port out."""
