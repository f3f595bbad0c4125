"""Background work: queues, the one enqueue facade, the worker and the scheduler."""
