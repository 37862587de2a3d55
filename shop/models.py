"""Every model, imported in one place so Alembic and the ORM see all tables."""

from shop.accounts.models import AccountChange, LoginAttempt, Role, SalesTeam, User
from shop.catalog.history import CatalogChange
from shop.catalog.models import Category, Product, Stock, StockReservation, Variant, Warehouse
from shop.catalog.picture_storage import PictureFile
from shop.catalog.pictures import Picture
from shop.documents.models import DocumentBatch, DocumentCounter, IssuedDocument
from shop.fulfillment.courier_models import CourierTask
from shop.fulfillment.models import DeliveryOrder, DeliveryStep, StepLine
from shop.fulfillment.pickup_models import OrderPickup
from shop.invoicing.models import Invoice, InvoiceKind
from shop.notifications.models import Channel, MessageState, MessageTemplate, OutboxMessage
from shop.orders.models import OrderEvent, OrderStatus, StatusGroup
from shop.payments.models import PaymentTransaction, ProviderNotification, TransactionState
from shop.returns.models import ReturnLine, ReturnRequest, ReturnState
from shop.sales.models import DeliveryMethod, Order, OrderLine, OrderState, PaymentMethod, PaymentState
from shop.settings.models import Setting, SettingChange

__all__ = [
    "AccountChange",
    "CatalogChange",
    "Channel",
    "MessageState",
    "MessageTemplate",
    "OutboxMessage",
    "LoginAttempt",
    "OrderStatus",
    "SalesTeam",
    "SettingChange",
    "StatusGroup",
    "Category",
    "CourierTask",
    "DeliveryMethod",
    "DeliveryOrder",
    "DeliveryStep",
    "DocumentBatch",
    "DocumentCounter",
    "IssuedDocument",
    "Invoice",
    "InvoiceKind",
    "Order",
    "OrderEvent",
    "OrderLine",
    "OrderPickup",
    "OrderState",
    "PaymentMethod",
    "PaymentState",
    "PaymentTransaction",
    "Picture",
    "PictureFile",
    "Product",
    "ReturnLine",
    "ReturnRequest",
    "ReturnState",
    "ProviderNotification",
    "Role",
    "Setting",
    "StepLine",
    "Stock",
    "StockReservation",
    "TransactionState",
    "User",
    "Variant",
    "Warehouse",
]
