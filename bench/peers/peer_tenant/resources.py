"""The peer's django-import-export resource for the PPPK file (the columns of bench/imports.py's file)."""

from import_export import resources
from import_export.fields import Field
from import_export.widgets import DateWidget, ForeignKeyWidget

from peer_tenant.models import Employees, Opds


class PppkEmployeeResource(resources.ModelResource):
    nip = Field(attribute="nip", column_name="NIP")
    name = Field(attribute="name", column_name="NAMA")
    gender = Field(attribute="gender", column_name="JENIS_KELAMIN")
    birth_date = Field(attribute="birth_date", column_name="TANGGAL_LAHIR", widget=DateWidget("%d/%m/%Y"))
    jabatan = Field(attribute="jabatan", column_name="JABATAN")
    opd = Field(attribute="opd", column_name="UNIT_KERJA", widget=ForeignKeyWidget(Opds, "name"))
    golongan = Field(attribute="golongan", column_name="GOLONGAN")

    class Meta:
        model = Employees
        import_id_fields = ("nip",)
        fields = ("nip", "name", "gender", "birth_date", "jabatan", "opd", "golongan")
        skip_unchanged = True

    def before_save_instance(self, instance, row, **kwargs):
        instance.name_key = " ".join(instance.name.upper().split())
        instance.employee_type = "PPPK"
