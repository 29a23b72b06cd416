"""The web app (FastAPI, server-rendered Chinese pages). Started by ``ecozone serve``."""
