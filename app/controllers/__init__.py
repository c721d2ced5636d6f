"""Behaviour: react to the views' signals, drive the workers, keep the queue model current."""
