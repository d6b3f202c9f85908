"""Start-up of the Rasa server with the project's resilience hooks (see resilience.py).

    python -m rasa_server run --model models ...   # same arguments as `rasa run`
"""
