"""Tools a model may call: the built-in ones and each MCP server's, every call approved."""
