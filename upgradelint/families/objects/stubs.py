"""Built-in models of the library modules a fingerprint needs when their
source is not installed. These are upgradelint's own minimal descriptions
(class hierarchy, AUTO_TYPE, the constructor assignments that reach
``Field.__repr__``), written for the resolver, not copies of the libraries.

Only what changes a hash is modelled: the type class *name*, the ``Field``
constructor arguments, ``valid_values`` for enum fields, and the fields and
``child_versions`` of the ovo base classes."""

OVO_FIELDS = '''
class KeyTypeError(TypeError): pass
class ElementTypeError(TypeError): pass
class UnspecifiedDefault: pass

class AbstractFieldType: pass
class FieldType(AbstractFieldType): pass
class String(FieldType): pass
class SensitiveString(String): pass
class VersionPredicate(String): pass

class Enum(String):
    def __init__(self, valid_values, **kwargs):
        self._valid_values = valid_values
        super().__init__(**kwargs)

class StringPattern(FieldType): pass
class UUID(StringPattern): pass
class MACAddress(StringPattern): pass
class PCIAddress(StringPattern): pass
class Integer(FieldType): pass
class NonNegativeInteger(FieldType): pass
class Float(FieldType): pass
class NonNegativeFloat(FieldType): pass
class Boolean(FieldType): pass
class FlexibleBoolean(Boolean): pass

class DateTime(FieldType):
    def __init__(self, tzinfo_aware=True, *args, **kwargs):
        self.tzinfo_aware = tzinfo_aware

class IPAddress(StringPattern): pass
class IPV4Address(IPAddress): pass
class IPV6Address(IPAddress): pass
class IPV4AndV6Address(IPAddress): pass
class IPNetwork(StringPattern): pass
class IPV4Network(IPNetwork): pass
class IPV6Network(IPNetwork): pass

class CompoundFieldType(FieldType):
    def __init__(self, element_type, **field_args):
        self._element_type = element_type

class List(CompoundFieldType): pass
class Dict(CompoundFieldType): pass
class Set(CompoundFieldType): pass

class Object(FieldType):
    def __init__(self, obj_name, subclasses=False, **kwargs):
        self._obj_name = obj_name
        self._subclasses = subclasses

class Field:
    def __init__(self, field_type, nullable=False, default=UnspecifiedDefault, read_only=False):
        self._type = field_type
        self._nullable = nullable
        self._default = default
        self._read_only = read_only

class DictProxyField:
    def __init__(self, dict_field_name, key_type=int):
        self._fld_name = dict_field_name

class AutoTypedField(Field):
    AUTO_TYPE = None
    def __init__(self, nullable=False, default=UnspecifiedDefault, read_only=False):
        super().__init__(self.AUTO_TYPE, nullable=nullable, default=default, read_only=read_only)

class StringField(AutoTypedField):
    AUTO_TYPE = String()
class SensitiveStringField(AutoTypedField):
    AUTO_TYPE = SensitiveString()
class VersionPredicateField(AutoTypedField):
    AUTO_TYPE = VersionPredicate()

class BaseEnumField(AutoTypedField):
    def __init__(self, nullable=False, default=UnspecifiedDefault, read_only=False):
        super().__init__(nullable=nullable, default=default, read_only=read_only)

class EnumField(BaseEnumField):
    def __init__(self, valid_values, **kwargs):
        self.AUTO_TYPE = Enum(valid_values=valid_values)
        super().__init__(**kwargs)

class StateMachine(EnumField):
    ALLOWED_TRANSITIONS = {}

class UUIDField(AutoTypedField):
    AUTO_TYPE = UUID()
class MACAddressField(AutoTypedField):
    AUTO_TYPE = MACAddress()
class PCIAddressField(AutoTypedField):
    AUTO_TYPE = PCIAddress()
class IntegerField(AutoTypedField):
    AUTO_TYPE = Integer()
class NonNegativeIntegerField(AutoTypedField):
    AUTO_TYPE = NonNegativeInteger()
class FloatField(AutoTypedField):
    AUTO_TYPE = Float()
class NonNegativeFloatField(AutoTypedField):
    AUTO_TYPE = NonNegativeFloat()
class BooleanField(AutoTypedField):
    AUTO_TYPE = Boolean()
class FlexibleBooleanField(AutoTypedField):
    AUTO_TYPE = FlexibleBoolean()

class DateTimeField(AutoTypedField):
    def __init__(self, tzinfo_aware=True, **kwargs):
        self.AUTO_TYPE = DateTime(tzinfo_aware=tzinfo_aware)
        super().__init__(**kwargs)

class DictOfStringsField(AutoTypedField):
    AUTO_TYPE = Dict(String())
class DictOfNullableStringsField(AutoTypedField):
    AUTO_TYPE = Dict(String(), nullable=True)
class DictOfIntegersField(AutoTypedField):
    AUTO_TYPE = Dict(Integer())
class ListOfStringsField(AutoTypedField):
    AUTO_TYPE = List(String())
class SetOfStringsField(AutoTypedField):
    AUTO_TYPE = Set(String())
class ListOfListsOfStringsField(AutoTypedField):
    AUTO_TYPE = List(List(String()))
class DictOfListOfStringsField(AutoTypedField):
    AUTO_TYPE = Dict(List(String()))
class DictOfSetOfIntegersField(AutoTypedField):
    AUTO_TYPE = Dict(Set(Integer()))

class ListOfEnumField(AutoTypedField):
    def __init__(self, valid_values, **kwargs):
        self._valid_values = valid_values
        self.AUTO_TYPE = List(Enum(valid_values))
        super().__init__(**kwargs)

class SetOfIntegersField(AutoTypedField):
    AUTO_TYPE = Set(Integer())
class ListOfSetsOfIntegersField(AutoTypedField):
    AUTO_TYPE = List(Set(Integer()))
class ListOfIntegersField(AutoTypedField):
    AUTO_TYPE = List(Integer())
class ListOfDictOfNullableStringsField(AutoTypedField):
    AUTO_TYPE = List(Dict(String(), nullable=True))

class ObjectField(AutoTypedField):
    def __init__(self, objtype, subclasses=False, **kwargs):
        self.AUTO_TYPE = Object(objtype, subclasses)
        self.objname = objtype
        super().__init__(**kwargs)

class ListOfObjectsField(AutoTypedField):
    def __init__(self, objtype, subclasses=False, **kwargs):
        self.AUTO_TYPE = List(Object(objtype, subclasses))
        self.objname = objtype
        super().__init__(**kwargs)

class ListOfUUIDField(AutoTypedField):
    AUTO_TYPE = List(UUID())
class IPAddressField(AutoTypedField):
    AUTO_TYPE = IPAddress()
class IPV4AddressField(AutoTypedField):
    AUTO_TYPE = IPV4Address()
class IPV6AddressField(AutoTypedField):
    AUTO_TYPE = IPV6Address()
class IPV4AndV6AddressField(AutoTypedField):
    AUTO_TYPE = IPV4AndV6Address()
class IPNetworkField(AutoTypedField):
    AUTO_TYPE = IPNetwork()
class IPV4NetworkField(AutoTypedField):
    AUTO_TYPE = IPV4Network()
class IPV6NetworkField(AutoTypedField):
    AUTO_TYPE = IPV6Network()
'''

OVO_BASE = '''
from oslo_versionedobjects import fields as obj_fields

class VersionedObjectRegistry: pass

def remotable(fn): pass
def remotable_classmethod(fn): pass
def obj_make_list(context, list_obj, item_cls, db_list, **extra_args): pass

class VersionedObject:
    VERSION = '1.0'
    OBJ_SERIAL_NAMESPACE = 'versioned_object'
    OBJ_PROJECT_NAMESPACE = 'versionedobjects'
    fields = {}
    obj_extra_fields = []

class ComparableVersionedObject: pass

class TimestampedObject:
    fields = {
        'created_at': obj_fields.DateTimeField(nullable=True),
        'updated_at': obj_fields.DateTimeField(nullable=True),
    }

class VersionedObjectDictCompat: pass

class ObjectListBase:
    fields = {
        'objects': obj_fields.ListOfObjectsField('VersionedObject'),
    }
    child_versions = {}

class VersionedObjectSerializer: pass
class VersionedObjectIndirectionAPI: pass
'''

# Third-party constants that reach a hash through an enum's ALL tuple, for
# when the package is not installed: only the parts the hash reads.
CURSIVE_SIGNATURE_UTILS = '''
HASH_METHODS = {'SHA-224': None, 'SHA-256': None, 'SHA-384': None, 'SHA-512': None}
'''

STUBS = {
    "oslo_versionedobjects": "",
    "oslo_versionedobjects.fields": OVO_FIELDS,
    "oslo_versionedobjects.base": OVO_BASE,
    "cursive": "",
    "cursive.signature_utils": CURSIVE_SIGNATURE_UTILS,
}
