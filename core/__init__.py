"""The shared kernel: errors, folders, the view helpers and the outbox core.

Imports Django and nothing of the apps; every app may import it.
"""
