"""Input validation for the offer pages. Reading the workbook happens in bulkbuy.services."""

from pathlib import PurePath
from typing import cast

from django import forms

from bulkbuy.models import Offer
from orders.forms import LoadedModelChoiceField

MAX_UPLOAD_MB = 20
XLSX_SUFFIXES = (".xlsx", ".xlsm")


class OfferUploadForm(forms.Form):
    file = forms.FileField(
        label="Offer file",
        help_text="Amazon's offer spreadsheet (.xlsx) with the columns Approved and Comment "
        "added. Columns are found by their header, in any order.",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xlsm"}),
    )
    name = forms.CharField(
        max_length=200, required=False, help_text="Offer number or name; default: the file name."
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if PurePath(upload.name or "").suffix.lower() not in XLSX_SUFFIXES:
            raise forms.ValidationError(
                "Upload an Excel workbook (.xlsx). CSV and old .xls files are not offer files: "
                "save Amazon's spreadsheet as .xlsx."
            )
        if upload.size > MAX_UPLOAD_MB * 1024 * 1024:
            raise forms.ValidationError(f"The file is larger than {MAX_UPLOAD_MB} MB.")
        return upload


# --- Approval stages ----------------------------------------------------------------------

DECISION_CHOICES = (("", "pending"), ("yes", "Yes"), ("no", "No"))
MAX_ROWS_PER_POST = 1_000


class StageStepForm(forms.Form):
    """The offer revision the page showed; a step against an older one is refused."""

    revision = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class StageRowsForm(StageStepForm):
    """The rows of one page for a stage: Commerce's yes/no (`decision-<id>`) or a quantity
    stage's `qty1-<id>`/`qty2-<id>` (blank = pending). The rows are listed in `row`."""

    approve = forms.ChoiceField(
        choices=(("", "as entered"), ("all", "Approve all"), ("pending", "Approve pending")),
        required=False,
    )

    def __init__(self, data=None, *, stage: str, **kwargs) -> None:
        super().__init__(data, **kwargs)
        self.stage = stage
        self.row_ids: list[int] = []
        raw = data.getlist("row") if data is not None and hasattr(data, "getlist") else []
        if len(raw) > MAX_ROWS_PER_POST:
            raw = []
            self.too_many = True
        for value in raw:
            if str(value).isdigit():
                self.row_ids.append(int(value))
        for row_id in self.row_ids:
            if stage == "commerce":
                self.fields[f"decision-{row_id}"] = forms.ChoiceField(
                    choices=DECISION_CHOICES, required=False
                )
            else:
                for n in (1, 2):
                    self.fields[f"qty{n}-{row_id}"] = forms.IntegerField(
                        min_value=0, required=False
                    )

    def clean(self):
        cleaned = super().clean()
        if getattr(self, "too_many", False):
            raise forms.ValidationError(f"Save at most {MAX_ROWS_PER_POST} rows at once.")
        return cleaned

    def decisions(self) -> dict[int, bool | None]:
        value = {"yes": True, "no": False, "": None}
        return {r: value[self.cleaned_data.get(f"decision-{r}") or ""] for r in self.row_ids}

    def quantities(self) -> dict[int, tuple[int | None, int | None]]:
        return {
            r: (self.cleaned_data.get(f"qty1-{r}"), self.cleaned_data.get(f"qty2-{r}"))
            for r in self.row_ids
        }


class StageFileForm(forms.Form):
    """A filled-in stage file; it carries the revision it was downloaded at."""

    file = forms.FileField(
        label="Stage file", widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"})
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if PurePath(upload.name or "").suffix.lower() not in XLSX_SUFFIXES:
            raise forms.ValidationError("Upload the stage file as .xlsx.")
        if upload.size > MAX_UPLOAD_MB * 1024 * 1024:
            raise forms.ValidationError(f"The file is larger than {MAX_UPLOAD_MB} MB.")
        return upload


# --- Offers list and linking orders -------------------------------------------------------


class OfferListFilterForm(forms.Form):
    """The offers list's filter: an open offer's stage, or where offers ended."""

    status = forms.ChoiceField(required=False)

    def __init__(self, data=None, *, choices, **kwargs) -> None:
        super().__init__(data, **kwargs)
        cast(forms.ChoiceField, self.fields["status"]).choices = [("", "All"), *choices]

    def chosen(self) -> str:
        """The status asked for; "" (all) when none or an unknown one."""
        return self.cleaned_data.get("status", "") if self.is_valid() else ""


class OrderLinkForm(forms.Form):
    """Link an order by hand to a delivery stage of one of the shop's completed offers."""

    # Choices in one plain query (a ModelChoiceField reads them through a server-side cursor).
    offer: "forms.ModelChoiceField[Offer]" = LoadedModelChoiceField(
        queryset=None, empty_label="Choose an offer"
    )
    stage = forms.TypedChoiceField(
        choices=((1, "Stage 1"), (2, "Stage 2")), coerce=int, label="Delivery stage"
    )

    def __init__(self, data=None, *, offers, **kwargs) -> None:
        super().__init__(data, **kwargs)
        cast(forms.ModelChoiceField, self.fields["offer"]).queryset = offers
