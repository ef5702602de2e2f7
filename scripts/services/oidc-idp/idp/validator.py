from oauth2_provider.oauth2_validators import OAuth2Validator


class DistrictValidator(OAuth2Validator):
    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "employee_number": "profile"}

    def get_additional_claims(self, request):
        claims = getattr(request.user, "claims", None)
        if claims is None:
            return {}
        return {key: value for key, value in (("name", claims.name), ("phone_number", claims.phone_number),
                                              ("employee_number", claims.employee_number)) if value}
