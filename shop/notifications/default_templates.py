"""The texts a new shop sends until the seller writes its own: every event, channel and language.

E-mails are text templates (a blank line starts a paragraph); the HTML part is made from the
rendered text. SMS are short: in English under 160 GSM-7 characters even with the longest
values; Turkish, Polish and Persian letters make an SMS UCS-2 (70 characters a part), so those
are kept as short as reads well. Variables never carry a Turkish suffix or a Polish case
ending: the sentences are built so that a name or a number stands on its own.
"""

from __future__ import annotations

from textwrap import dedent

from shop.i18n import LANGUAGES as LANGUAGES  # every language the app has; each has its defaults here
from shop.notifications.return_templates import BY_LANGUAGE as _RETURNS  # the return messages' texts

Template = tuple[str | None, str]  # (subject, body); SMS have no subject


def _body(text: str) -> str:
    return dedent(text).strip("\n")


# --- English -------------------------------------------------------------------------------

_EN_ITEMS = """\
            {% for item in order.items %}
            {{ item.quantity }} × {{ item.name }}: {{ item.total }}
            {% endfor %}
"""

_EN: dict[tuple[str, str], Template] = {
    ("order_confirmation", "email"): (
        "Your order {{ order.number }} at {{ shop.name }}",
        _body(
            """\
            Hello {{ customer.first_name }},

            Thank you for your order. We have received it and will keep you posted at every step.

            Order {{ order.number }} of {{ order.date }}
            """
            + _EN_ITEMS
            + """\
            Total: {{ order.total }}

            Payment: {{ order.payment_method }}
            Delivery: {{ order.delivery_method }}

            You can follow your order here:
            {{ order.url }}

            Kind regards,
            {{ shop.name }}
            """
        ),
    ),
    ("order_confirmation", "sms"): (
        None,
        "{{ shop.name }}: thank you for order {{ order.number }}! Follow it here: {{ order.url }}",
    ),
    ("status_change", "email"): (
        "Order {{ order.number }}: {{ order.status }}",
        _body(
            """\
            Hello {{ customer.first_name }},

            The status of your order {{ order.number }} is now: {{ order.status }}.

            {% if order.tracking_number %}
            Your parcel is on its way with {{ order.carrier }}, tracking number {{ order.tracking_number }}.
            {% if order.tracking_url %}
            Track it at the carrier: {{ order.tracking_url }}
            {% endif %}

            {% endif %}
            You can see your order here:
            {{ order.url }}

            Kind regards,
            {{ shop.name }}
            """
        ),
    ),
    ("status_change", "sms"): (
        None,
        "{{ shop.name }}: order {{ order.number }} status: {{ order.status }}. Details: {{ order.url }}",
    ),
    ("tracking_number", "email"): (
        "Your order {{ order.number }} is on its way",
        _body(
            """\
            Hello {{ customer.first_name }},

            Good news: your order {{ order.number }} has been shipped.

            Carrier: {{ order.carrier }}
            Tracking number: {{ order.tracking_number }}
            {% if order.tracking_url %}
            Track your parcel: {{ order.tracking_url }}
            {% endif %}

            Delivery address: {{ order.address }}

            You can also follow your order here:
            {{ order.url }}

            Kind regards,
            {{ shop.name }}
            """
        ),
    ),
    ("tracking_number", "sms"): (
        None,
        "{{ shop.name }}: order {{ order.number }} is on its way with {{ order.carrier }}, "
        "tracking no. {{ order.tracking_number }}",
    ),
    ("pickup_ready", "email"): (
        "Your order {{ order.number }} is ready for pickup",
        _body(
            """\
            Hello {{ customer.first_name }},

            Your order {{ order.number }} is ready for pickup.

            Where: {{ pickup.warehouse }}{% if pickup.address %}, {{ pickup.address }}{% endif %}
            When: {{ pickup.date }}{% if pickup.hours %}, {{ pickup.hours }}{% endif %}
            {% if order.amount_due %}
            To pay at pickup: {{ order.amount_due }}
            {% endif %}

            Please have your order number at hand: {{ order.number }}.

            Kind regards,
            {{ shop.name }}
            """
        ),
    ),
    ("pickup_ready", "sms"): (
        None,
        "{{ shop.name }}: order {{ order.number }} is ready. "
        "Pick it up at {{ pickup.warehouse }} on {{ pickup.date }}.",
    ),
    ("delivery_done", "email"): (
        "Your order {{ order.number }} has been delivered",
        _body(
            """\
            Hello {{ customer.first_name }},

            Your order {{ order.number }} has been delivered. We hope you enjoy it!

            If anything is not right, write to us at {{ shop.email }} and we will sort it out.

            Thank you for shopping with us,
            {{ shop.name }}
            """
        ),
    ),
    ("delivery_done", "sms"): (
        None,
        "{{ shop.name }}: order {{ order.number }} has been delivered. Thank you for shopping with us!",
    ),
    ("invoice_issued", "email"): (
        "Invoice {{ invoice.number }} for order {{ order.number }}",
        _body(
            """\
            Hello {{ customer.first_name }},

            The invoice {{ invoice.number }} for your order {{ order.number }} of {{ order.date }} is ready.

            You can download it here:
            {{ invoice.url }}

            Kind regards,
            {{ shop.name }}
            """
        ),
    ),
    ("invoice_issued", "sms"): (
        None,
        "{{ shop.name }}: invoice {{ invoice.number }} for order {{ order.number }}: {{ invoice.url }}",
    ),
    ("refund_issued", "email"): (
        "Refund for your order {{ order.number }}",
        _body(
            """\
            Hello {{ customer.first_name }},

            We have refunded {{ refund.amount }} for your order {{ order.number }}.

            Depending on your bank, it may take a few working days for the money to reach your account.

            Your order:
            {{ order.url }}

            Kind regards,
            {{ shop.name }}
            """
        ),
    ),
    ("refund_issued", "sms"): (
        None,
        "{{ shop.name }}: we have refunded {{ refund.amount }} for order {{ order.number }}. "
        "It may take a few days to reach your account.",
    ),
    ("abandoned_cart", "email"): (
        "You left something in your cart at {{ shop.name }}",
        _body(
            """\
            Hello{% if customer.first_name %} {{ customer.first_name }}{% endif %},

            These products are still waiting in your cart:
            {% for item in cart.items %}
            {{ item.quantity }} × {{ item.name }}: {{ item.total }}
            {% endfor %}
            Total: {{ cart.total }}

            Your cart is saved. To complete your order, follow this link:
            {{ cart.restore_url }}

            Products are not reserved until you order, so some may sell out in the meantime.

            Questions? Write to us at {{ shop.email }}.

            Kind regards,
            {{ shop.name }}
            """
        ),
    ),
    ("courier_assignment", "email"): (
        "New delivery: order {{ order.number }}",
        _body(
            """\
            Hello {{ courier.name }},

            A new delivery has been assigned to you.

            Order: {{ order.number }}
            Customer: {{ customer.name }}, {{ customer.phone }}
            Address: {{ order.address }}
            {% if order.amount_due %}
            To collect: {{ order.amount_due }} ({{ order.payment_method }})
            {% else %}
            Already paid: nothing to collect.
            {% endif %}

            To deliver:
            {% for item in order.items %}
            {{ item.quantity }} × {{ item.name }}
            {% endfor %}

            {{ shop.name }}
            """
        ),
    ),
    ("courier_assignment", "sms"): (
        None,
        "New delivery {{ order.number }}: {{ customer.name }}, {{ customer.phone }}, {{ order.address }}."
        "{% if order.amount_due %} Collect {{ order.amount_due }}.{% endif %}",
    ),
}

# --- Turkish -------------------------------------------------------------------------------

_TR_ITEMS = """\
            {% for item in order.items %}
            {{ item.quantity }} adet {{ item.name }}: {{ item.total }}
            {% endfor %}
"""

_TR: dict[tuple[str, str], Template] = {
    ("order_confirmation", "email"): (
        "{{ order.number }} numaralı siparişiniz alındı – {{ shop.name }}",
        _body(
            """\
            Merhaba {{ customer.first_name }},

            Siparişiniz için teşekkür ederiz. Siparişinizi aldık; her aşamada sizi bilgilendireceğiz.

            Sipariş numarası: {{ order.number }}
            Sipariş tarihi: {{ order.date }}
            """
            + _TR_ITEMS
            + """\
            Toplam: {{ order.total }}

            Ödeme: {{ order.payment_method }}
            Teslimat: {{ order.delivery_method }}

            Siparişinizi buradan takip edebilirsiniz:
            {{ order.url }}

            Saygılarımızla,
            {{ shop.name }}
            """
        ),
    ),
    ("order_confirmation", "sms"): (
        None,
        "{{ shop.name }}: {{ order.number }} numaralı siparişiniz için teşekkürler! Takip: {{ order.url }}",
    ),
    ("status_change", "email"): (
        "Sipariş {{ order.number }}: {{ order.status }}",
        _body(
            """\
            Merhaba {{ customer.first_name }},

            {{ order.number }} numaralı siparişinizin yeni durumu: {{ order.status }}.

            {% if order.tracking_number %}
            Kargo firması: {{ order.carrier }}
            Takip numarası: {{ order.tracking_number }}
            {% if order.tracking_url %}
            Kargonuzu takip edin: {{ order.tracking_url }}
            {% endif %}

            {% endif %}
            Siparişinizin ayrıntıları:
            {{ order.url }}

            Saygılarımızla,
            {{ shop.name }}
            """
        ),
    ),
    ("status_change", "sms"): (
        None,
        "{{ shop.name }}: {{ order.number }} numaralı siparişinizin durumu: {{ order.status }}. "
        "Ayrıntılar: {{ order.url }}",
    ),
    ("tracking_number", "email"): (
        "{{ order.number }} numaralı siparişiniz kargoya verildi",
        _body(
            """\
            Merhaba {{ customer.first_name }},

            Güzel haber: {{ order.number }} numaralı siparişiniz kargoya verildi.

            Kargo firması: {{ order.carrier }}
            Takip numarası: {{ order.tracking_number }}
            {% if order.tracking_url %}
            Kargonuzu takip edin: {{ order.tracking_url }}
            {% endif %}

            Teslimat adresi: {{ order.address }}

            Siparişinizi buradan da takip edebilirsiniz:
            {{ order.url }}

            Saygılarımızla,
            {{ shop.name }}
            """
        ),
    ),
    ("tracking_number", "sms"): (
        None,
        "{{ shop.name }}: {{ order.number }} numaralı siparişiniz kargoya verildi. "
        "{{ order.carrier }} takip no: {{ order.tracking_number }}",
    ),
    ("pickup_ready", "email"): (
        "{{ order.number }} numaralı siparişiniz teslim almaya hazır",
        _body(
            """\
            Merhaba {{ customer.first_name }},

            {{ order.number }} numaralı siparişiniz teslim almaya hazır.

            Teslim alma yeri: {{ pickup.warehouse }}{% if pickup.address %}, {{ pickup.address }}{% endif %}
            Teslim alma tarihi: {{ pickup.date }}{% if pickup.hours %}, {{ pickup.hours }}{% endif %}
            {% if order.amount_due %}
            Teslim alırken ödenecek tutar: {{ order.amount_due }}
            {% endif %}

            Lütfen sipariş numaranızı yanınızda bulundurun: {{ order.number }}.

            Saygılarımızla,
            {{ shop.name }}
            """
        ),
    ),
    ("pickup_ready", "sms"): (
        None,
        "{{ shop.name }}: {{ order.number }} numaralı siparişiniz hazır. "
        "Teslim alma: {{ pickup.warehouse }}, {{ pickup.date }}.",
    ),
    ("delivery_done", "email"): (
        "{{ order.number }} numaralı siparişiniz teslim edildi",
        _body(
            """\
            Merhaba {{ customer.first_name }},

            {{ order.number }} numaralı siparişiniz teslim edildi. Güle güle kullanın!

            Bir sorun olursa {{ shop.email }} adresine yazmanız yeterli; hemen ilgileniriz.

            Bizi tercih ettiğiniz için teşekkür ederiz.
            {{ shop.name }}
            """
        ),
    ),
    ("delivery_done", "sms"): (
        None,
        "{{ shop.name }}: {{ order.number }} numaralı siparişiniz teslim edildi. "
        "Bizi tercih ettiğiniz için teşekkürler!",
    ),
    ("invoice_issued", "email"): (
        "{{ order.number }} numaralı siparişinizin faturası",
        _body(
            """\
            Merhaba {{ customer.first_name }},

            {{ order.number }} numaralı siparişinizin faturası hazır.

            Fatura numarası: {{ invoice.number }}
            Sipariş tarihi: {{ order.date }}

            Faturanızı buradan indirebilirsiniz:
            {{ invoice.url }}

            Saygılarımızla,
            {{ shop.name }}
            """
        ),
    ),
    ("invoice_issued", "sms"): (
        None,
        "{{ shop.name }}: {{ invoice.number }} numaralı faturanız hazır: {{ invoice.url }}",
    ),
    ("refund_issued", "email"): (
        "{{ order.number }} numaralı siparişiniz için iade",
        _body(
            """\
            Merhaba {{ customer.first_name }},

            {{ order.number }} numaralı siparişiniz için {{ refund.amount }} iade ettik.

            Tutarın hesabınıza geçmesi, bankanıza bağlı olarak birkaç iş günü sürebilir.

            Siparişiniz:
            {{ order.url }}

            Saygılarımızla,
            {{ shop.name }}
            """
        ),
    ),
    ("refund_issued", "sms"): (
        None,
        "{{ shop.name }}: {{ order.number }} numaralı siparişiniz için {{ refund.amount }} iade edildi. "
        "Hesabınıza geçmesi birkaç gün sürebilir.",
    ),
    ("abandoned_cart", "email"): (
        "Sepetinizde ürünler sizi bekliyor – {{ shop.name }}",
        _body(
            """\
            Merhaba{% if customer.first_name %} {{ customer.first_name }}{% endif %},

            Sepetinizde şu ürünler sizi bekliyor:
            {% for item in cart.items %}
            {{ item.quantity }} adet {{ item.name }}: {{ item.total }}
            {% endfor %}
            Toplam: {{ cart.total }}

            Sepetiniz kayıtlı. Siparişinizi tamamlamak için bu bağlantıyı kullanabilirsiniz:
            {{ cart.restore_url }}

            Ürünler sipariş verilene kadar ayrılmaz; bazıları bu arada tükenebilir.

            Sorularınız için bize {{ shop.email }} adresinden ulaşabilirsiniz.

            Saygılarımızla,
            {{ shop.name }}
            """
        ),
    ),
    ("courier_assignment", "email"): (
        "Yeni teslimat: sipariş {{ order.number }}",
        _body(
            """\
            Merhaba {{ courier.name }},

            Size yeni bir teslimat atandı.

            Sipariş: {{ order.number }}
            Müşteri: {{ customer.name }}, {{ customer.phone }}
            Adres: {{ order.address }}
            {% if order.amount_due %}
            Tahsil edilecek tutar: {{ order.amount_due }} ({{ order.payment_method }})
            {% else %}
            Ödeme alındı, tahsilat yok.
            {% endif %}

            Teslim edilecek ürünler:
            {% for item in order.items %}
            {{ item.quantity }} adet {{ item.name }}
            {% endfor %}

            {{ shop.name }}
            """
        ),
    ),
    ("courier_assignment", "sms"): (
        None,
        "Yeni teslimat {{ order.number }}: {{ customer.name }}, {{ customer.phone }}, {{ order.address }}."
        "{% if order.amount_due %} Tahsilat: {{ order.amount_due }}.{% endif %}",
    ),
}

# --- Polish --------------------------------------------------------------------------------

_PL_ITEMS = """\
            {% for item in order.items %}
            {{ item.name }}, {{ item.quantity }} szt.: {{ item.total }}
            {% endfor %}
"""

_PL: dict[tuple[str, str], Template] = {
    ("order_confirmation", "email"): (
        "Zamówienie {{ order.number }} w sklepie {{ shop.name }}",
        _body(
            """\
            Dzień dobry,

            dziękujemy za zamówienie. Przyjęliśmy je i będziemy informować o każdym etapie realizacji.

            Zamówienie {{ order.number }} z dnia {{ order.date }}
            """
            + _PL_ITEMS
            + """\
            Razem: {{ order.total }}

            Płatność: {{ order.payment_method }}
            Dostawa: {{ order.delivery_method }}

            Status zamówienia można sprawdzić tutaj:
            {{ order.url }}

            Pozdrawiamy serdecznie
            {{ shop.name }}
            """
        ),
    ),
    ("order_confirmation", "sms"): (
        None,
        "{{ shop.name }}: dziękujemy za zamówienie {{ order.number }}! Status: {{ order.url }}",
    ),
    ("status_change", "email"): (
        "Zamówienie {{ order.number }}: {{ order.status }}",
        _body(
            """\
            Dzień dobry,

            zamówienie {{ order.number }} ma nowy status: {{ order.status }}.

            {% if order.tracking_number %}
            Przewoźnik: {{ order.carrier }}
            Numer przesyłki: {{ order.tracking_number }}
            {% if order.tracking_url %}
            Śledzenie przesyłki: {{ order.tracking_url }}
            {% endif %}

            {% endif %}
            Szczegóły zamówienia:
            {{ order.url }}

            Pozdrawiamy serdecznie
            {{ shop.name }}
            """
        ),
    ),
    ("status_change", "sms"): (
        None,
        "{{ shop.name }}: zamówienie {{ order.number }} ma status: {{ order.status }}. "
        "Szczegóły: {{ order.url }}",
    ),
    ("tracking_number", "email"): (
        "Zamówienie {{ order.number }} zostało wysłane",
        _body(
            """\
            Dzień dobry,

            mamy dobrą wiadomość: zamówienie {{ order.number }} zostało wysłane.

            Przewoźnik: {{ order.carrier }}
            Numer przesyłki: {{ order.tracking_number }}
            {% if order.tracking_url %}
            Śledzenie przesyłki: {{ order.tracking_url }}
            {% endif %}

            Adres dostawy: {{ order.address }}

            Status zamówienia można też sprawdzić tutaj:
            {{ order.url }}

            Pozdrawiamy serdecznie
            {{ shop.name }}
            """
        ),
    ),
    ("tracking_number", "sms"): (
        None,
        "{{ shop.name }}: zamówienie {{ order.number }} zostało wysłane. "
        "{{ order.carrier }}, nr przesyłki: {{ order.tracking_number }}",
    ),
    ("pickup_ready", "email"): (
        "Zamówienie {{ order.number }} czeka na odbiór",
        _body(
            """\
            Dzień dobry,

            zamówienie {{ order.number }} czeka na odbiór.

            Miejsce odbioru: {{ pickup.warehouse }}{% if pickup.address %}, {{ pickup.address }}{% endif %}
            Termin odbioru: {{ pickup.date }}{% if pickup.hours %}, {{ pickup.hours }}{% endif %}
            {% if order.amount_due %}
            Do zapłaty przy odbiorze: {{ order.amount_due }}
            {% endif %}

            Prosimy przygotować numer zamówienia: {{ order.number }}.

            Pozdrawiamy serdecznie
            {{ shop.name }}
            """
        ),
    ),
    ("pickup_ready", "sms"): (
        None,
        "{{ shop.name }}: zamówienie {{ order.number }} czeka na odbiór. "
        "Miejsce: {{ pickup.warehouse }}, {{ pickup.date }}.",
    ),
    ("delivery_done", "email"): (
        "Zamówienie {{ order.number }} zostało dostarczone",
        _body(
            """\
            Dzień dobry,

            zamówienie {{ order.number }} zostało dostarczone. Mamy nadzieję, że wszystko się podoba!

            Jeśli coś jest nie tak, prosimy o wiadomość na adres {{ shop.email }} – chętnie pomożemy.

            Dziękujemy za zakupy
            {{ shop.name }}
            """
        ),
    ),
    ("delivery_done", "sms"): (
        None,
        "{{ shop.name }}: zamówienie {{ order.number }} zostało dostarczone. Dziękujemy za zakupy!",
    ),
    ("invoice_issued", "email"): (
        "Faktura {{ invoice.number }} do zamówienia {{ order.number }}",
        _body(
            """\
            Dzień dobry,

            faktura {{ invoice.number }} do zamówienia {{ order.number }} z dnia {{ order.date }} jest gotowa.

            Można ją pobrać tutaj:
            {{ invoice.url }}

            Pozdrawiamy serdecznie
            {{ shop.name }}
            """
        ),
    ),
    ("invoice_issued", "sms"): (
        None,
        "{{ shop.name }}: faktura {{ invoice.number }} jest gotowa: {{ invoice.url }}",
    ),
    ("refund_issued", "email"): (
        "Zwrot środków za zamówienie {{ order.number }}",
        _body(
            """\
            Dzień dobry,

            zwróciliśmy {{ refund.amount }} za zamówienie {{ order.number }}.

            W zależności od banku środki mogą pojawić się na koncie w ciągu kilku dni roboczych.

            Szczegóły zamówienia:
            {{ order.url }}

            Pozdrawiamy serdecznie
            {{ shop.name }}
            """
        ),
    ),
    ("refund_issued", "sms"): (
        None,
        "{{ shop.name }}: zwróciliśmy {{ refund.amount }} za zamówienie {{ order.number }}. "
        "Środki mogą dotrzeć w ciągu kilku dni roboczych.",
    ),
    ("abandoned_cart", "email"): (
        "Produkty czekają w koszyku – {{ shop.name }}",
        _body(
            """\
            Dzień dobry,

            w koszyku wciąż czekają te produkty:
            {% for item in cart.items %}
            {{ item.name }}, {{ item.quantity }} szt.: {{ item.total }}
            {% endfor %}
            Razem: {{ cart.total }}

            Koszyk został zapisany. Aby dokończyć zamówienie, wystarczy kliknąć:
            {{ cart.restore_url }}

            Produkty nie są rezerwowane do chwili złożenia zamówienia, więc niektóre mogą się wyprzedać.

            W razie pytań prosimy o kontakt: {{ shop.email }}.

            Pozdrawiamy serdecznie
            {{ shop.name }}
            """
        ),
    ),
    ("courier_assignment", "email"): (
        "Nowa dostawa: zamówienie {{ order.number }}",
        _body(
            """\
            Dzień dobry,

            przydzielono Ci nową dostawę.

            Zamówienie: {{ order.number }}
            Klient: {{ customer.name }}, {{ customer.phone }}
            Adres: {{ order.address }}
            {% if order.amount_due %}
            Pobranie: {{ order.amount_due }} ({{ order.payment_method }})
            {% else %}
            Zamówienie opłacone, bez pobrania.
            {% endif %}

            Do doręczenia:
            {% for item in order.items %}
            {{ item.name }}, {{ item.quantity }} szt.
            {% endfor %}

            {{ shop.name }}
            """
        ),
    ),
    ("courier_assignment", "sms"): (
        None,
        "Nowa dostawa {{ order.number }}: {{ customer.name }}, {{ customer.phone }}, {{ order.address }}."
        "{% if order.amount_due %} Pobranie: {{ order.amount_due }}.{% endif %}",
    ),
}

# --- Persian -------------------------------------------------------------------------------

_FA_ITEMS = """\
            {% for item in order.items %}
            {{ item.name }}، {{ item.quantity }} عدد: {{ item.total }}
            {% endfor %}
"""

_FA: dict[tuple[str, str], Template] = {
    ("order_confirmation", "email"): (
        "سفارش {{ order.number }} در {{ shop.name }} ثبت شد",
        _body(
            """\
            سلام {{ customer.first_name }} عزیز،

            از خرید شما سپاسگزاریم. سفارشتان را دریافت کردیم و شما را از هر مرحله باخبر می‌کنیم.

            سفارش {{ order.number }}، تاریخ {{ order.date }}
            """
            + _FA_ITEMS
            + """\
            جمع کل: {{ order.total }}

            روش پرداخت: {{ order.payment_method }}
            روش ارسال: {{ order.delivery_method }}

            وضعیت سفارش را از این نشانی پیگیری کنید:
            {{ order.url }}

            با سپاس،
            {{ shop.name }}
            """
        ),
    ),
    ("order_confirmation", "sms"): (
        None,
        "{{ shop.name }}: از سفارش {{ order.number }} سپاسگزاریم. پیگیری: {{ order.url }}",
    ),
    ("status_change", "email"): (
        "سفارش {{ order.number }}: {{ order.status }}",
        _body(
            """\
            سلام {{ customer.first_name }} عزیز،

            وضعیت سفارش {{ order.number }} شما اکنون «{{ order.status }}» است.

            {% if order.tracking_number %}
            شرکت حمل: {{ order.carrier }}
            کد رهگیری: {{ order.tracking_number }}
            {% if order.tracking_url %}
            رهگیری مرسوله: {{ order.tracking_url }}
            {% endif %}

            {% endif %}
            جزئیات سفارش:
            {{ order.url }}

            با سپاس،
            {{ shop.name }}
            """
        ),
    ),
    ("status_change", "sms"): (
        None,
        "{{ shop.name }}: وضعیت سفارش {{ order.number }}: {{ order.status }}. جزئیات: {{ order.url }}",
    ),
    ("tracking_number", "email"): (
        "سفارش {{ order.number }} ارسال شد",
        _body(
            """\
            سلام {{ customer.first_name }} عزیز،

            خبر خوب: سفارش {{ order.number }} شما ارسال شد.

            شرکت حمل: {{ order.carrier }}
            کد رهگیری: {{ order.tracking_number }}
            {% if order.tracking_url %}
            رهگیری مرسوله: {{ order.tracking_url }}
            {% endif %}

            نشانی تحویل: {{ order.address }}

            وضعیت سفارش را از این نشانی هم می‌توانید پیگیری کنید:
            {{ order.url }}

            با سپاس،
            {{ shop.name }}
            """
        ),
    ),
    ("tracking_number", "sms"): (
        None,
        "{{ shop.name }}: سفارش {{ order.number }} ارسال شد. "
        "{{ order.carrier }}، کد رهگیری: {{ order.tracking_number }}",
    ),
    ("pickup_ready", "email"): (
        "سفارش {{ order.number }} آماده تحویل است",
        _body(
            """\
            سلام {{ customer.first_name }} عزیز،

            سفارش {{ order.number }} شما آماده تحویل است.

            محل تحویل: {{ pickup.warehouse }}{% if pickup.address %}، {{ pickup.address }}{% endif %}
            زمان تحویل: {{ pickup.date }}{% if pickup.hours %}، ساعت {{ pickup.hours }}{% endif %}
            {% if order.amount_due %}
            مبلغ قابل پرداخت هنگام تحویل: {{ order.amount_due }}
            {% endif %}

            لطفاً شماره سفارش خود را همراه داشته باشید: {{ order.number }}

            با سپاس،
            {{ shop.name }}
            """
        ),
    ),
    ("pickup_ready", "sms"): (
        None,
        "{{ shop.name }}: سفارش {{ order.number }} آماده تحویل است. "
        "محل: {{ pickup.warehouse }}، {{ pickup.date }}",
    ),
    ("delivery_done", "email"): (
        "سفارش {{ order.number }} تحویل داده شد",
        _body(
            """\
            سلام {{ customer.first_name }} عزیز،

            سفارش {{ order.number }} شما تحویل داده شد. امیدواریم از خریدتان لذت ببرید!

            اگر مشکلی هست، به {{ shop.email }} بنویسید تا پیگیری کنیم.

            از اعتماد شما سپاسگزاریم،
            {{ shop.name }}
            """
        ),
    ),
    ("delivery_done", "sms"): (
        None,
        "{{ shop.name }}: سفارش {{ order.number }} تحویل داده شد. از خرید شما سپاسگزاریم.",
    ),
    ("invoice_issued", "email"): (
        "فاکتور {{ invoice.number }} برای سفارش {{ order.number }}",
        _body(
            """\
            سلام {{ customer.first_name }} عزیز،

            فاکتور {{ invoice.number }} برای سفارش {{ order.number }} (تاریخ {{ order.date }}) آماده است.

            از این نشانی می‌توانید آن را دریافت کنید:
            {{ invoice.url }}

            با سپاس،
            {{ shop.name }}
            """
        ),
    ),
    ("invoice_issued", "sms"): (
        None,
        "{{ shop.name }}: فاکتور {{ invoice.number }} آماده است: {{ invoice.url }}",
    ),
    ("refund_issued", "email"): (
        "بازگشت وجه سفارش {{ order.number }}",
        _body(
            """\
            سلام {{ customer.first_name }} عزیز،

            مبلغ {{ refund.amount }} بابت سفارش {{ order.number }} به شما بازگردانده شد.

            بسته به بانک شما، ممکن است چند روز کاری طول بکشد تا این مبلغ به حسابتان برسد.

            جزئیات سفارش:
            {{ order.url }}

            با سپاس،
            {{ shop.name }}
            """
        ),
    ),
    ("refund_issued", "sms"): (
        None,
        "{{ shop.name }}: مبلغ {{ refund.amount }} بابت سفارش {{ order.number }} بازگردانده شد. "
        "واریز آن ممکن است چند روز کاری طول بکشد.",
    ),
    ("abandoned_cart", "email"): (
        "کالاهایی در سبد خرید شما در {{ shop.name }} مانده است",
        _body(
            """\
            سلام{% if customer.first_name %} {{ customer.first_name }} عزیز{% endif %}،

            این کالاها هنوز در سبد خرید شما هستند:
            {% for item in cart.items %}
            {{ item.name }}، {{ item.quantity }} عدد: {{ item.total }}
            {% endfor %}
            جمع کل: {{ cart.total }}

            سبد خرید شما ذخیره شده است. برای تکمیل سفارش از این پیوند استفاده کنید:
            {{ cart.restore_url }}

            کالاها تا ثبت سفارش برای شما رزرو نمی‌شوند و ممکن است برخی از آن‌ها تمام شوند.

            اگر پرسشی دارید، به {{ shop.email }} بنویسید.

            با سپاس،
            {{ shop.name }}
            """
        ),
    ),
    ("courier_assignment", "email"): (
        "تحویل جدید: سفارش {{ order.number }}",
        _body(
            """\
            سلام {{ courier.name }}،

            یک تحویل جدید به شما سپرده شد.

            سفارش: {{ order.number }}
            مشتری: {{ customer.name }}، {{ customer.phone }}
            نشانی: {{ order.address }}
            {% if order.amount_due %}
            وجه دریافتی: {{ order.amount_due }} ({{ order.payment_method }})
            {% else %}
            پرداخت شده است؛ وجهی دریافت نکنید.
            {% endif %}

            کالاهای تحویلی:
            {% for item in order.items %}
            {{ item.name }}، {{ item.quantity }} عدد
            {% endfor %}

            {{ shop.name }}
            """
        ),
    ),
    ("courier_assignment", "sms"): (
        None,
        "تحویل جدید {{ order.number }}: {{ customer.name }}، {{ customer.phone }}، {{ order.address }}."
        "{% if order.amount_due %} وجه دریافتی: {{ order.amount_due }}.{% endif %}",
    ),
}

DEFAULTS: dict[str, dict[tuple[str, str], Template]] = {
    "en": _EN | _RETURNS["en"],
    "tr": _TR | _RETURNS["tr"],
    "pl": _PL | _RETURNS["pl"],
    "fa": _FA | _RETURNS["fa"],
}


def default_template(event: str, channel: str, language: str) -> Template:
    """(subject, body) of the shop's default text; English for a language we have no text in.
    Raises KeyError for an event and channel that have no message."""
    texts = DEFAULTS.get(language, _EN)
    return texts[(event, channel)]
