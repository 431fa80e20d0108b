"""Core: what every other layer stands on. Financial quarters, the 43 forces and their most similar
groups, the settings and the measure catalogue, the project's folders, and the errors it raises.
Imports nothing else from `helpers`."""
