"""Pure rules over plain values: no database, no Flask. Values come from the rule table."""
