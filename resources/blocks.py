"""StreamField blocks of a lesson plan (教案/教学设计): the shared blocks other apps extend."""
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock

TEXT_FEATURES = ["bold", "italic", "ol", "ul", "link", "hr"]


class SectionBlock(blocks.StructBlock):
    """One part of a lesson plan: 教学目标, 教学重难点, 教学过程 …, with its text."""

    heading = blocks.CharBlock(label=_("Heading"), max_length=100)
    text = blocks.RichTextBlock(label=_("Text"), features=TEXT_FEATURES)

    class Meta:
        icon = "doc-full"
        label = _("Section")
        template = "blocks/section_block.html"


class AttachmentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("File"))
    caption = blocks.CharBlock(label=_("Caption"), required=False, max_length=200)

    class Meta:
        icon = "doc-empty"
        label = _("Attachment")
        template = "blocks/attachment_block.html"


class LessonPlanBlock(blocks.StreamBlock):
    section = SectionBlock()
    paragraph = blocks.RichTextBlock(label=_("Paragraph"), features=TEXT_FEATURES)
    image = ImageChooserBlock(label=_("Image"))
    attachment = AttachmentBlock()
