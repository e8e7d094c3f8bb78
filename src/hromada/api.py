from __future__ import annotations

from ninja import NinjaAPI

from hromada.core.api import BearerToken, install_error_handlers
from hromada.core.api import router as auth_router
from hromada.distribution.api import router as distribution_router
from hromada.evacuation.api import router as evacuation_router
from hromada.people.api import router as people_router
from hromada.reports.api import router as reports_router
from hromada.stock.api import router as stock_router

api = NinjaAPI(
    title="hromada",
    version="1",
    urls_namespace="api",
    auth=BearerToken(),
    # The schema is served as JSON; no documentation page, since Swagger UI loads from a CDN.
    docs_url=None,
)
install_error_handlers(api)
api.add_router("/auth", auth_router)
api.add_router("/people", people_router)
api.add_router("/distribution", distribution_router)
api.add_router("/stock", stock_router)
api.add_router("/reports", reports_router)
api.add_router("/evacuation", evacuation_router)
