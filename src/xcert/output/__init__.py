"""What leaves xcert: tables in every format, charts, Jinja reports, xlsx with the formula guard, exports, the summary."""
