from django.urls import path

from apps.ledger import views

app_name = "ledger"
urlpatterns = [
    path("", views.index, name="index"),
    path("customers/<int:pk>/", views.customer, name="customer"),
    path("customers/<int:pk>/close-month/", views.credit_close, name="credit_close"),
    path("customers/<int:pk>/statement/", views.statement_new, name="statement_new"),
    path("transactions/<int:pk>/", views.transaction_detail, name="transaction"),
    path("transactions/<int:pk>/reverse/", views.transaction_reverse, name="transaction_reverse"),
    path("handovers/", views.handovers, name="handovers"),
    path("handovers/new/", views.handover_new, name="handover_new"),
    path("handovers/<int:pk>/", views.handover_detail, name="handover"),
    path("handovers/<int:pk>/sheet/", views.collection_sheet_new, name="collection_sheet"),
    path("discrepancies/<int:pk>/resolve/", views.discrepancy_resolve, name="discrepancy_resolve"),
    path("receivables/", views.aging, name="aging"),
    path("stock/", views.stock, name="stock"),
    path("statements/", views.statement_list, name="statements"),
    path("statements/batch/", views.batch_new, name="batch_new"),
    path("statements/batch/<int:pk>/", views.batch_detail, name="batch"),
    path("statements/batch/<int:pk>/download/", views.batch_download, name="batch_download"),
    path("statements/<int:pk>/", views.statement_detail, name="statement"),
    path("statements/<int:pk>/download/", views.statement_download, name="statement_download"),
]
urlpatterns += [
    path(
        f"customers/<int:pk>/{action.name.replace('_', '-')}/",
        views.customer_action_view(action),
        name=f"customer_{action.name}",
    )
    for action in views.CUSTOMER_ACTIONS
]
