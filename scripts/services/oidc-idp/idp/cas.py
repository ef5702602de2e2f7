"""The CAS server's view of the education cloud's people: the password of the login, and as attributes only what the
cloud tells a service (name, mobile number, staff number), never the account's other fields."""
from cas_server.auth import DjangoAuthUser


class DistrictCasUser(DjangoAuthUser):
    def attributs(self):
        claims = getattr(self.user, "claims", None) if self.user else None
        if claims is None:
            return {}
        return {key: value for key, value in (("name", claims.name), ("phone_number", claims.phone_number),
                                              ("employee_number", claims.employee_number)) if value}
