"""Input validation for the offer pages. Reading the workbook happens in bulkbuy.services."""

from pathlib import PurePath

from django import forms

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
