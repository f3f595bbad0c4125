# Terraform creates the secret containers only. Values are written with
# `aws secretsmanager put-secret-value` (docs/operations.md), so no secret
# value ever appears in code, plans, state or outputs.
resource "aws_secretsmanager_secret" "this" {
  #checkov:skip=CKV2_AWS_57:Values are issued by third parties (Stripe, IdPs) or rotated by the overlap procedure in docs/operations.md; a rotation Lambda cannot perform that overlap.
  for_each                = var.secret_names
  name                    = "${var.name}/${each.key}"
  description             = "Burrow ${var.name} ${each.key}; injected into ECS tasks as an environment variable."
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.recovery_window_in_days
  tags                    = merge(var.tags, { EnvVar = each.key })
}
