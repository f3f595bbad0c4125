output "exports_bucket_arn" {
  description = "ARN of the exports/backups bucket."
  value       = aws_s3_bucket.exports.arn
}

output "exports_bucket_name" {
  description = "Name of the exports/backups bucket."
  value       = aws_s3_bucket.exports.id
}

output "logs_bucket_name" {
  description = "Name of the access-log bucket (ALB and S3 access logs)."
  value       = aws_s3_bucket.logs.id
}
