from django import forms
from django.utils.translation import gettext_lazy as _

from recouvrement.text import CleanTextMixin

from .models import Piece
from .validation import ACCEPTED_SUMMARY, KINDS, max_upload_size, too_large_message


class PieceUploadForm(CleanTextMixin, forms.Form):
    # What the file really is, its size and its name are checked by
    # services.piece_upload, the one place every upload passes.
    document = forms.FileField(
        label=_("Document"),
        allow_empty_file=True,
        error_messages={
            "required": _("Choisissez le document à ajouter."),
            "invalid": _("Aucun fichier n'a été reçu : choisissez le document à ajouter."),
        },
        help_text=_("Types acceptés : %(types)s.") % {"types": ACCEPTED_SUMMARY},
    )
    description = forms.CharField(
        label=_("Description (facultative)"),
        required=False,
        max_length=Piece._meta.get_field("description").max_length,
        help_text=_("Elle apparaîtra sous le nom du document dans l'onglet « Pièces »."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Hints for the browser only (file picker filter, early size message):
        # the server decides on the content whatever the browser let through.
        self.fields["document"].widget.attrs.update(
            {
                "accept": ",".join(f".{ext}" for kind in KINDS for ext in kind.extensions),
                "data-max-size": str(max_upload_size()),
                "data-too-large-message": too_large_message(),
            }
        )
