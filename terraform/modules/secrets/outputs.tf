output "arns" {
  description = "Secret ARN by environment variable name (ARNs are not secret)."
  value       = { for key, secret in aws_secretsmanager_secret.this : key => secret.arn }
}
