"""Storyboards and renders on arq workers over Redis.

Callers (bots, playground) use ``jobs.queue.JobQueue``; workers run ``jobs.worker`` (``cutroom
worker``); each job's life cycle is in ``jobs.functions``, progress beats in ``jobs.progress``
and the per-requester cap in ``jobs.fairness``.
"""
