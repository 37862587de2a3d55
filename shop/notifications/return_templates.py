"""The default texts of the return messages (shop.returns.notifications), in every language;
default_templates merges them into its tables. The same rules as there: English SMS under 160
GSM-7 characters with the longest values, no suffix or case ending on a variable."""

from __future__ import annotations

from textwrap import dedent

Template = tuple[str | None, str]  # (subject, body); SMS have no subject


def _body(text: str) -> str:
    return dedent(text).strip("\n")


# --- English -------------------------------------------------------------------------------

_EN_ITEMS = """\
            {% for item in return.items %}
            {{ item.quantity }} × {{ item.name }}
            {% endfor %}
"""

EN: dict[tuple[str, str], Template] = {
    ("return_requested", "email"): (
        "Your return request {{ return.number }}",
        _body(
            """\
            Hello {{ customer.first_name }},

            We have received your return request {{ return.number }} for order {{ order.number }}:
            """
            + _EN_ITEMS
            + """\
            Reason: {{ return.reason }}

            We will check it and reply soon. Please do not send anything before the return is approved: you
            will then get the return label and instructions by e-mail.

            You can follow your return here:
            {{ return.url }}

            Kind regards,
            {{ shop.name }}
            """
        ),
    ),
    ("return_requested", "sms"): (
        None,
        "{{ shop.name }}: we received your return request {{ return.number }} and will reply soon.",
    ),
    ("return_approved", "email"): (
        "Return {{ return.number }} approved: your return label",
        _body(
            """\
            Hello {{ customer.first_name }},

            Your return {{ return.number }} for order {{ order.number }} is approved. Please send back:
            """
            + _EN_ITEMS
            + """\
            What to do:
            {{ return.instructions }}

            The return label is attached to this e-mail as a PDF. You can also print it from your return's
            page:
            {{ return.url }}

            Kind regards,
            {{ shop.name }}
            """
        ),
    ),
    ("return_approved", "sms"): (
        None,
        "{{ shop.name }}: return {{ return.number }} approved. Label and steps: {{ return.url }}",
    ),
    ("return_rejected", "email"): (
        "Your return request {{ return.number }}",
        _body(
            """\
            Hello {{ customer.first_name }},

            We are sorry, but we cannot accept your return request {{ return.number }} for order {{
            order.number }}.

            Reason: {{ return.rejection_reason }}

            If you have questions, reply to this e-mail or write to us at {{ shop.email }}.

            Your return:
            {{ return.url }}

            Kind regards,
            {{ shop.name }}
            """
        ),
    ),
    ("return_rejected", "sms"): (
        None,
        "{{ shop.name }}: return {{ return.number }} was not accepted. Why: {{ return.url }}",
    ),
    ("return_received", "email"): (
        "We have received your return {{ return.number }}",
        _body(
            """\
            Hello {{ customer.first_name }},

            Your parcel with return {{ return.number }} (order {{ order.number }}) has arrived:
            """
            + _EN_ITEMS
            + """\
            We will let you know as soon as the refund or exchange is done.

            Your return:
            {{ return.url }}

            Kind regards,
            {{ shop.name }}
            """
        ),
    ),
    ("return_received", "sms"): (
        None,
        "{{ shop.name }}: your return {{ return.number }} has arrived. "
        "We will let you know about the refund or exchange.",
    ),
    ("return_refunded", "email"): (
        "Refund for your return {{ return.number }}",
        _body(
            """\
            Hello {{ customer.first_name }},

            We have refunded {{ refund.amount }} for your return {{ return.number }} (order {{ order.number
            }}):
            """
            + _EN_ITEMS
            + """\
            Depending on your bank, it may take a few working days for the money to reach your account.

            Your return:
            {{ return.url }}

            Kind regards,
            {{ shop.name }}
            """
        ),
    ),
    ("return_refunded", "sms"): (
        None,
        "{{ shop.name }}: return {{ return.number }} refunded, {{ refund.amount }}. "
        "It may take a few days to reach your account.",
    ),
    ("return_exchanged", "email"): (
        "Your exchange {{ return.number }}: new order {{ exchange.order_number }}",
        _body(
            """\
            Hello {{ customer.first_name }},

            We have exchanged the items of your return {{ return.number }}:
            """
            + _EN_ITEMS
            + """\
            Your replacement comes with a new order, {{ exchange.order_number }}. There is nothing to pay.

            Follow it here:
            {{ exchange.order_url }}

            Kind regards,
            {{ shop.name }}
            """
        ),
    ),
    ("return_exchanged", "sms"): (
        None,
        "{{ shop.name }}: your replacement for return {{ return.number }} comes as order "
        "{{ exchange.order_number }}. We will keep you posted.",
    ),
}

# --- Turkish -------------------------------------------------------------------------------

_TR_ITEMS = """\
            {% for item in return.items %}
            {{ item.quantity }} adet {{ item.name }}
            {% endfor %}
"""

TR: dict[tuple[str, str], Template] = {
    ("return_requested", "email"): (
        "{{ return.number }} numaralı iade talebiniz",
        _body(
            """\
            Merhaba {{ customer.first_name }},

            {{ order.number }} numaralı siparişiniz için {{ return.number }} numaralı iade talebinizi aldık:
            """
            + _TR_ITEMS
            + """\
            İade nedeni: {{ return.reason }}

            Talebinizi inceleyip en kısa sürede size dönüş yapacağız. Lütfen iade onaylanmadan ürün
            göndermeyin: onaydan sonra iade etiketi ve talimatlar e-posta ile gelecek.

            İade talebinizi buradan takip edebilirsiniz:
            {{ return.url }}

            Saygılarımızla,
            {{ shop.name }}
            """
        ),
    ),
    ("return_requested", "sms"): (
        None,
        "{{ shop.name }}: {{ return.number }} numaralı "
        "iade talebinizi aldık, en kısa sürede dönüş yapacağız.",
    ),
    ("return_approved", "email"): (
        "{{ return.number }} numaralı iadeniz onaylandı: iade etiketiniz",
        _body(
            """\
            Merhaba {{ customer.first_name }},

            {{ order.number }} numaralı siparişinize ait {{ return.number }} numaralı iade talebiniz
            onaylandı. Geri gönderilecek ürünler:
            """
            + _TR_ITEMS
            + """\
            Yapmanız gerekenler:
            {{ return.instructions }}

            İade etiketi bu e-postanın ekinde PDF olarak yer alıyor. Etiketi iade sayfanızdan da
            yazdırabilirsiniz:
            {{ return.url }}

            Saygılarımızla,
            {{ shop.name }}
            """
        ),
    ),
    ("return_approved", "sms"): (
        None,
        "{{ shop.name }}: {{ return.number }} numaralı "
        "iadeniz onaylandı. Etiket ve talimatlar: {{ return.url }}",
    ),
    ("return_rejected", "email"): (
        "{{ return.number }} numaralı iade talebiniz hakkında",
        _body(
            """\
            Merhaba {{ customer.first_name }},

            Üzgünüz, {{ order.number }} numaralı siparişinize ait {{ return.number }} numaralı iade talebinizi
            kabul edemiyoruz.

            Gerekçe: {{ return.rejection_reason }}

            Sorularınız için bu e-postayı yanıtlayabilir veya {{ shop.email }} adresine yazabilirsiniz.

            İade talebiniz:
            {{ return.url }}

            Saygılarımızla,
            {{ shop.name }}
            """
        ),
    ),
    ("return_rejected", "sms"): (
        None,
        "{{ shop.name }}: {{ return.number }} numaralı iade "
        "talebiniz kabul edilmedi. Gerekçe: {{ return.url }}",
    ),
    ("return_received", "email"): (
        "{{ return.number }} numaralı iadeniz elimize ulaştı",
        _body(
            """\
            Merhaba {{ customer.first_name }},

            {{ return.number }} numaralı iadenize ait paket elimize ulaştı (sipariş {{ order.number }}):
            """
            + _TR_ITEMS
            + """\
            Para iadesi veya değişim yapılır yapılmaz size haber vereceğiz.

            İadeniz:
            {{ return.url }}

            Saygılarımızla,
            {{ shop.name }}
            """
        ),
    ),
    ("return_received", "sms"): (
        None,
        "{{ shop.name }}: {{ return.number }} numaralı iadeniz elimize ulaştı. "
        "İade veya değişim yapılınca haber vereceğiz.",
    ),
    ("return_refunded", "email"): (
        "{{ return.number }} numaralı iadeniz için ödeme iadesi",
        _body(
            """\
            Merhaba {{ customer.first_name }},

            {{ return.number }} numaralı iadeniz için {{ refund.amount }} tutarında ödeme iadesi yaptık
            (sipariş {{ order.number }}):
            """
            + _TR_ITEMS
            + """\
            Tutarın hesabınıza geçmesi, bankanıza bağlı olarak birkaç iş günü sürebilir.

            İadeniz:
            {{ return.url }}

            Saygılarımızla,
            {{ shop.name }}
            """
        ),
    ),
    ("return_refunded", "sms"): (
        None,
        "{{ shop.name }}: {{ return.number }} numaralı iadeniz için {{ refund.amount }} iade edildi. "
        "Hesabınıza geçmesi birkaç gün sürebilir.",
    ),
    ("return_exchanged", "email"): (
        "{{ return.number }} numaralı iadeniz: değişim siparişi {{ exchange.order_number }}",
        _body(
            """\
            Merhaba {{ customer.first_name }},

            {{ return.number }} numaralı iadenizdeki ürünleri değiştirdik:
            """
            + _TR_ITEMS
            + """\
            Yeni ürünler {{ exchange.order_number }} numaralı siparişle gönderilecek. Ödemeniz gereken bir
            tutar yok.

            Yeni siparişinizi buradan takip edebilirsiniz:
            {{ exchange.order_url }}

            Saygılarımızla,
            {{ shop.name }}
            """
        ),
    ),
    ("return_exchanged", "sms"): (
        None,
        "{{ shop.name }}: {{ return.number }} numaralı iadenizin değişim ürünleri "
        "{{ exchange.order_number }} numaralı siparişle gelecek.",
    ),
}

# --- Polish --------------------------------------------------------------------------------

_PL_ITEMS = """\
            {% for item in return.items %}
            {{ item.quantity }} × {{ item.name }}
            {% endfor %}
"""

PL: dict[tuple[str, str], Template] = {
    ("return_requested", "email"): (
        "Zgłoszenie zwrotu {{ return.number }}",
        _body(
            """\
            Dzień dobry,

            otrzymaliśmy zgłoszenie zwrotu {{ return.number }} do zamówienia {{ order.number }}:
            """
            + _PL_ITEMS
            + """\
            Powód: {{ return.reason }}

            Sprawdzimy je i wkrótce odpowiemy. Prosimy nie wysyłać niczego przed akceptacją zwrotu: etykietę
            zwrotną i instrukcje otrzymają Państwo e-mailem.

            Status zwrotu:
            {{ return.url }}

            Pozdrawiamy serdecznie
            {{ shop.name }}
            """
        ),
    ),
    ("return_requested", "sms"): (
        None,
        "{{ shop.name }}: otrzymaliśmy zgłoszenie zwrotu {{ return.number }}. Wkrótce odpowiemy.",
    ),
    ("return_approved", "email"): (
        "Zwrot {{ return.number }} zaakceptowany: etykieta zwrotna",
        _body(
            """\
            Dzień dobry,

            zwrot {{ return.number }} do zamówienia {{ order.number }} został zaakceptowany. Prosimy odesłać:
            """
            + _PL_ITEMS
            + """\
            Co zrobić:
            {{ return.instructions }}

            Etykieta zwrotna jest w załączniku (PDF). Można ją też wydrukować ze strony zwrotu:
            {{ return.url }}

            Pozdrawiamy serdecznie
            {{ shop.name }}
            """
        ),
    ),
    ("return_approved", "sms"): (
        None,
        "{{ shop.name }}: zwrot {{ return.number }} zaakceptowany. Etykieta i instrukcje: {{ return.url }}",
    ),
    ("return_rejected", "email"): (
        "Zgłoszenie zwrotu {{ return.number }}",
        _body(
            """\
            Dzień dobry,

            przykro nam, ale nie możemy przyjąć zwrotu {{ return.number }} do zamówienia {{ order.number }}.

            Powód: {{ return.rejection_reason }}

            W razie pytań prosimy odpowiedzieć na tę wiadomość lub napisać na adres {{ shop.email }}.

            Zgłoszenie zwrotu:
            {{ return.url }}

            Pozdrawiamy serdecznie
            {{ shop.name }}
            """
        ),
    ),
    ("return_rejected", "sms"): (
        None,
        "{{ shop.name }}: zwrot {{ return.number }} nie został przyjęty. Powód: {{ return.url }}",
    ),
    ("return_received", "email"): (
        "Otrzymaliśmy zwrot {{ return.number }}",
        _body(
            """\
            Dzień dobry,

            paczka ze zwrotem {{ return.number }} (zamówienie {{ order.number }}) dotarła do nas:
            """
            + _PL_ITEMS
            + """\
            Damy znać, gdy tylko zwrot środków lub wymiana zostaną zrealizowane.

            Zgłoszenie zwrotu:
            {{ return.url }}

            Pozdrawiamy serdecznie
            {{ shop.name }}
            """
        ),
    ),
    ("return_received", "sms"): (
        None,
        "{{ shop.name }}: zwrot {{ return.number }} dotarł do nas. Damy znać o zwrocie środków lub wymianie.",
    ),
    ("return_refunded", "email"): (
        "Zwrot środków za zwrot {{ return.number }}",
        _body(
            """\
            Dzień dobry,

            zwróciliśmy {{ refund.amount }} za zwrot {{ return.number }} (zamówienie {{ order.number }}):
            """
            + _PL_ITEMS
            + """\
            W zależności od banku środki mogą pojawić się na koncie w ciągu kilku dni roboczych.

            Zgłoszenie zwrotu:
            {{ return.url }}

            Pozdrawiamy serdecznie
            {{ shop.name }}
            """
        ),
    ),
    ("return_refunded", "sms"): (
        None,
        "{{ shop.name }}: zwróciliśmy {{ refund.amount }} za zwrot {{ return.number }}. "
        "Środki mogą dotrzeć w ciągu kilku dni roboczych.",
    ),
    ("return_exchanged", "email"): (
        "Wymiana {{ return.number }}: nowe zamówienie {{ exchange.order_number }}",
        _body(
            """\
            Dzień dobry,

            wymieniliśmy produkty ze zwrotu {{ return.number }}:
            """
            + _PL_ITEMS
            + """\
            Nowe produkty wyślemy w zamówieniu {{ exchange.order_number }}. Nie ma nic do zapłaty.

            Status nowego zamówienia:
            {{ exchange.order_url }}

            Pozdrawiamy serdecznie
            {{ shop.name }}
            """
        ),
    ),
    ("return_exchanged", "sms"): (
        None,
        "{{ shop.name }}: wymiana ze zwrotu {{ "
        "return.number }} jest w zamówieniu {{ exchange.order_number }}.",
    ),
}

# --- Persian -------------------------------------------------------------------------------

_FA_ITEMS = """\
            {% for item in return.items %}
            {{ item.name }}، {{ item.quantity }} عدد
            {% endfor %}
"""

FA: dict[tuple[str, str], Template] = {
    ("return_requested", "email"): (
        "درخواست مرجوعی {{ return.number }}",
        _body(
            """\
            سلام {{ customer.first_name }} عزیز،

            درخواست مرجوعی {{ return.number }} برای سفارش {{ order.number }} دریافت شد:
            """
            + _FA_ITEMS
            + """\
            دلیل: {{ return.reason }}

            درخواست شما را بررسی می‌کنیم و به‌زودی پاسخ می‌دهیم. لطفاً تا پیش از تأیید مرجوعی چیزی ارسال
            نکنید: پس از تأیید، برچسب مرجوعی و راهنما با ایمیل برایتان فرستاده می‌شود.

            پیگیری مرجوعی:
            {{ return.url }}

            با سپاس،
            {{ shop.name }}
            """
        ),
    ),
    ("return_requested", "sms"): (
        None,
        "{{ shop.name }}: درخواست مرجوعی {{ return.number }} دریافت شد. به‌زودی پاسخ می‌دهیم.",
    ),
    ("return_approved", "email"): (
        "مرجوعی {{ return.number }} تأیید شد: برچسب مرجوعی",
        _body(
            """\
            سلام {{ customer.first_name }} عزیز،

            مرجوعی {{ return.number }} برای سفارش {{ order.number }} تأیید شد. لطفاً این کالاها را بازگردانید:
            """
            + _FA_ITEMS
            + """\
            راهنما:
            {{ return.instructions }}

            برچسب مرجوعی به صورت PDF پیوست این ایمیل است. آن را از صفحه مرجوعی هم می‌توانید چاپ کنید:
            {{ return.url }}

            با سپاس،
            {{ shop.name }}
            """
        ),
    ),
    ("return_approved", "sms"): (
        None,
        "{{ shop.name }}: مرجوعی {{ return.number }} تأیید شد. برچسب و راهنما: {{ return.url }}",
    ),
    ("return_rejected", "email"): (
        "درخواست مرجوعی {{ return.number }}",
        _body(
            """\
            سلام {{ customer.first_name }} عزیز،

            متأسفیم، درخواست مرجوعی {{ return.number }} برای سفارش {{ order.number }} پذیرفته نشد.

            دلیل: {{ return.rejection_reason }}

            اگر پرسشی دارید، به همین ایمیل پاسخ دهید یا به {{ shop.email }} بنویسید.

            درخواست مرجوعی:
            {{ return.url }}

            با سپاس،
            {{ shop.name }}
            """
        ),
    ),
    ("return_rejected", "sms"): (
        None,
        "{{ shop.name }}: درخواست مرجوعی {{ return.number }} پذیرفته نشد. دلیل: {{ return.url }}",
    ),
    ("return_received", "email"): (
        "مرجوعی {{ return.number }} به دست ما رسید",
        _body(
            """\
            سلام {{ customer.first_name }} عزیز،

            بسته مرجوعی {{ return.number }} (سفارش {{ order.number }}) به دست ما رسید:
            """
            + _FA_ITEMS
            + """\
            به محض انجام بازگشت وجه یا تعویض به شما خبر می‌دهیم.

            درخواست مرجوعی:
            {{ return.url }}

            با سپاس،
            {{ shop.name }}
            """
        ),
    ),
    ("return_received", "sms"): (
        None,
        "{{ shop.name }}: مرجوعی {{ return.number }} به دست ما رسید. از بازگشت وجه یا تعویض خبرتان می‌کنیم.",
    ),
    ("return_refunded", "email"): (
        "بازگشت وجه مرجوعی {{ return.number }}",
        _body(
            """\
            سلام {{ customer.first_name }} عزیز،

            مبلغ {{ refund.amount }} بابت مرجوعی {{ return.number }} (سفارش {{ order.number }}) به شما
            بازگردانده شد:
            """
            + _FA_ITEMS
            + """\
            بسته به بانک شما، ممکن است چند روز کاری طول بکشد تا این مبلغ به حسابتان برسد.

            درخواست مرجوعی:
            {{ return.url }}

            با سپاس،
            {{ shop.name }}
            """
        ),
    ),
    ("return_refunded", "sms"): (
        None,
        "{{ shop.name }}: مبلغ {{ refund.amount }} بابت مرجوعی {{ return.number }} بازگردانده شد.",
    ),
    ("return_exchanged", "email"): (
        "تعویض مرجوعی {{ return.number }}: سفارش جدید {{ exchange.order_number }}",
        _body(
            """\
            سلام {{ customer.first_name }} عزیز،

            کالاهای مرجوعی {{ return.number }} تعویض شد:
            """
            + _FA_ITEMS
            + """\
            کالاهای جایگزین با سفارش جدید {{ exchange.order_number }} فرستاده می‌شوند. مبلغی برای پرداخت نیست.

            پیگیری سفارش جدید:
            {{ exchange.order_url }}

            با سپاس،
            {{ shop.name }}
            """
        ),
    ),
    ("return_exchanged", "sms"): (
        None,
        "{{ shop.name }}: کالاهای جایگزین مرجوعی {{ "
        "return.number }} با سفارش {{ exchange.order_number }} می‌آیند.",
    ),
}

BY_LANGUAGE: dict[str, dict[tuple[str, str], Template]] = {"en": EN, "tr": TR, "pl": PL, "fa": FA}
