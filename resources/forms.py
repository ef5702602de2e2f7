"""The metadata a teacher fills in when uploading a resource from a phone."""
from django import forms
from django.utils.translation import gettext_lazy as _

from .licences import DEFAULT_LICENCE, Licence
from .models import ChapterNode, Grade, Resource, ResourceType, Stage, Subject

UPLOAD_TYPES = [
    (ResourceType.MICRO_LESSON, _("Micro-lesson (video)")),
    (ResourceType.RECORDING, _("Recorded lesson (video)")),
    (ResourceType.COURSEWARE, _("Courseware (PPT/PDF)")),
    (ResourceType.LESSON_PLAN, _("Lesson plan")),
    (ResourceType.WORKSHEET, _("Worksheet")),
    (ResourceType.EXERCISE, _("Exercise")),
    (ResourceType.SCHOOL_CURRICULUM, _("School-based curriculum")),
]


class ResourceUploadForm(forms.Form):
    upload_id = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={"required": _("Choose a file and wait until it has finished uploading.")},
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    resource_type = forms.ChoiceField(label=_("Type"), choices=UPLOAD_TYPES)
    chapter = forms.ModelChoiceField(
        label=_("Chapter"), queryset=ChapterNode.objects.select_related("textbook"), required=False,
        widget=forms.HiddenInput,
    )
    stage = forms.ModelChoiceField(label=_("Stage"), queryset=Stage.objects.all(), required=False)
    grade = forms.ModelChoiceField(label=_("Grade"), queryset=Grade.objects.all(), required=False)
    subject = forms.ModelChoiceField(label=_("Subject"), queryset=Subject.objects.all(), required=False)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
                                  max_length=4000)
    tags = forms.CharField(label=_("Tags"), required=False, max_length=200,
                           help_text=_("Separate with commas or spaces"))
    visibility = forms.ChoiceField(
        label=_("Who can see it"), choices=Resource.Visibility.choices, initial=Resource.Visibility.SCHOOL,
        widget=forms.RadioSelect,
        help_text=_("Public resources are checked by a school admin or district researcher before everyone sees them; "
                    "until then your school and its paired schools see them."),
    )
    licence = forms.ChoiceField(label=_("Licence"), choices=Licence.choices, initial=DEFAULT_LICENCE)

    def clean_tags(self):
        text = self.cleaned_data["tags"].replace("，", ",").replace("、", ",")
        return [tag.strip() for part in text.split(",") for tag in part.split() if tag.strip()][:20]

    def clean(self):
        data = super().clean()
        chapter = data.get("chapter")
        if chapter is None and not data.get("subject"):
            self.add_error("subject", _("Pick the chapter, or at least the subject, so colleagues can find it."))
        return data


class ResourceFromRecordingForm(ResourceUploadForm):
    """Sharing a recording uploaded on its own (/my/media/upload/): the file is there already."""

    upload_id = None
    resource_type = forms.ChoiceField(label=_("Type"), choices=UPLOAD_TYPES[:2])


class ResourceEditForm(ResourceUploadForm):
    """The uploader changes what she shared; a new file is optional."""

    upload_id = forms.UUIDField(widget=forms.HiddenInput, required=False)

    @classmethod
    def initial_for(cls, resource):
        return {
            "title": resource.title, "resource_type": resource.resource_type, "chapter": resource.chapter_id,
            "stage": resource.stage_id, "grade": resource.grade_id, "subject": resource.subject_id,
            "description": resource.description, "tags": " ".join(resource.tags or []),
            "visibility": resource.visibility, "licence": resource.licence,
        }
