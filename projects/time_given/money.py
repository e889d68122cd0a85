"""Money for involvement payments, in Decimal only: never a float, from the
form a facilitator types a rate into to the finance team's CSV.

Each organisation pays in one currency (Organisation.currency, an ISO 4217
code; COPRODUCE_CURRENCY by default). A currency's minor unit (pence for
GBP, none for JPY) is in CURRENCIES: amounts are rounded to it, half up
(ROUND_HALF_UP), once, when a claim's amount is worked out."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError

# code: (number of digits after the point, symbol or "", name in words)
CURRENCIES = {
    "GBP": (2, "£", "pounds"),
    "EUR": (2, "€", "euros"),
    "USD": (2, "$", "US dollars"),
    "CAD": (2, "", "Canadian dollars"),
    "AUD": (2, "", "Australian dollars"),
    "NZD": (2, "", "New Zealand dollars"),
    "CHF": (2, "", "Swiss francs"),
    "SEK": (2, "", "Swedish kronor"),
    "NOK": (2, "", "Norwegian kroner"),
    "DKK": (2, "", "Danish kroner"),
    "ZAR": (2, "", "South African rand"),
    "INR": (2, "", "Indian rupees"),
    "JPY": (0, "¥", "Japanese yen"),
    "KRW": (0, "", "South Korean won"),
    "ISK": (0, "", "Icelandic krónur"),
    "KWD": (3, "", "Kuwaiti dinars"),
    "BHD": (3, "", "Bahraini dinars"),
}
CURRENCY_CHOICES = [(code, f"{code} ({name})") for code, (_, _, name) in CURRENCIES.items()]
# Money is stored with this many digits after the point: enough for every
# currency above (an amount is rounded to its own currency first).
STORED_PLACES = 3
STORED_DIGITS = 12
# The largest rate or travel cost anyone may type, as a sanity check.
LARGEST = Decimal("100000")


def minor_units(currency: str) -> int:
    return CURRENCIES[currency][0]


def quantum(currency: str) -> Decimal:
    """The smallest amount of the currency: Decimal("0.01") for GBP,
    Decimal("1") for JPY."""
    return Decimal(1).scaleb(-minor_units(currency))


def rounded(amount: Decimal, currency: str) -> Decimal:
    """The amount to the currency's minor unit, half up: 1.005 GBP is 1.01."""
    if not isinstance(amount, Decimal):
        raise TypeError(f"Money must be a Decimal, not {type(amount).__name__}")
    return amount.quantize(quantum(currency), rounding=ROUND_HALF_UP)


def for_time(*, minutes: int, hourly_rate: Decimal, currency: str) -> Decimal:
    """What ``minutes`` of time is worth at ``hourly_rate``, rounded once."""
    return rounded(hourly_rate * Decimal(minutes) / Decimal(60), currency)


def money(amount: Decimal | None, currency: str) -> str:
    """The amount as people read it: "£12.50", "¥1,500", "12.500 KWD"."""
    if amount is None:
        return ""
    places, symbol, _ = CURRENCIES.get(currency, (2, "", currency))
    number = f"{rounded(amount, currency) if currency in CURRENCIES else amount:,.{places}f}"
    return f"{symbol}{number}" if symbol else f"{number} {currency}"


def plain(amount: Decimal, currency: str) -> str:
    """The amount for a spreadsheet: digits and a point only ("12.50")."""
    return f"{rounded(amount, currency):.{minor_units(currency)}f}"


def example(currency: str) -> str:
    return "1500" if minor_units(currency) == 0 else "12." + "5".ljust(minor_units(currency), "0")


def parse(text: str, currency: str, *, what: str) -> Decimal:
    """An amount typed by a person (“£12.50”, “12.5”, “1,500”), as a
    Decimal with no more digits after the point than the currency has.
    Raises ValidationError in plain words; never goes through a float."""
    places, symbol, name = CURRENCIES[currency]
    cleaned = (text or "").strip().replace(",", "").replace(" ", "")
    for mark in (symbol, currency, currency.lower()):
        if mark:
            cleaned = cleaned.removeprefix(mark).removesuffix(mark)
    like = example(currency)
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise ValidationError(
            f"Enter the {what} as a number of {name}, like {like}", code="invalid"
        ) from None
    if not amount.is_finite():
        raise ValidationError(
            f"Enter the {what} as a number of {name}, like {like}", code="invalid"
        )
    if amount < 0:
        raise ValidationError(f"The {what} cannot be less than 0", code="negative")
    if amount >= LARGEST:
        raise ValidationError(
            f"The {what} must be less than {money(LARGEST, currency)}", code="large"
        )
    if amount.normalize().as_tuple().exponent < -places:
        if places == 0:
            message = f"Enter the {what} in whole {name}, like {like}"
        else:
            message = f"Enter the {what} with at most {places} numbers after the point, like {like}"
        raise ValidationError(message, code="too_precise")
    return amount
