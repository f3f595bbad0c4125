"""Actions: saved OR-lists of event matchers (spec insights.md 1.7), usable as insight series."""
