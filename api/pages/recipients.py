"""stub"""
from api.pages.web import page_router

router = page_router()
