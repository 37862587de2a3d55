import gc

from shop import create_app

app = create_app()
# Objects made while loading the app live for the whole process: keep them out of the garbage
# collector's full passes, which otherwise add ~90 ms pauses to some requests (benchmarks/order_list.py).
gc.freeze()
